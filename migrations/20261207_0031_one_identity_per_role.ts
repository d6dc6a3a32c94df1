import type { Knex } from 'knex';

/**
 * One current identity of a role at a school per person. A parent of two children at one school who claimed both
 * children's roster slips got two parent identities there (the identity menu showed 家長 twice, apps saw two ids);
 * publishing and binding already kept to one. Duplicates made before are folded into the oldest: what pointed at a
 * later one points at the oldest (where that leaves no second row of a unique pair), and the later ones end now. Then a
 * unique index keeps it so, also for two made at the same moment. Identities without a school are not covered (NULLs
 * are distinct), nor ended ones or those the roster ends at a semester's end (they have an ended_at).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create temporary table identity_duplicates on commit drop as
    select id, keep from (
      select id, first_value(id) over (partition by person_id, role, school_code order by created_at, id) as keep
        from identities
       where status = 'active' and ended_at is null and school_code is not null
    ) ranked
     where id <> keep`);
  const simple: [string, string][] = [
    ['roster_credentials', 'identity_id'],
    ['grant_identities', 'identity_id'],
    ['identity_choices', 'identity_id'],
    ['classes', 'homeroom_identity_id'],
    ['binding_codes', 'student_identity_id'],
    ['roster_guardians', 'student_identity_id'],
  ];
  for (const [table, column] of simple)
    await knex.raw(`update ?? t set ?? = d.keep from identity_duplicates d where t.?? = d.id`, [table, column, column]);
  // Unique with the parent: a parent linked to both copies keeps the link to the oldest.
  await knex.raw(`
    update guardian_links g set student_identity_id = d.keep
      from identity_duplicates d
     where g.student_identity_id = d.id
       and not exists (select 1 from guardian_links o
                        where o.parent_person_id = g.parent_person_id and o.student_identity_id = d.keep)`);
  // One open application per child and parent national ID.
  await knex.raw(`
    update binding_applications b set student_identity_id = d.keep
      from identity_duplicates d
     where b.student_identity_id = d.id
       and (b.status <> 'pending' or not exists (
             select 1 from binding_applications o
              where o.status = 'pending' and o.student_identity_id = d.keep
                and o.parent_national_id_index = b.parent_national_id_index))`);
  await knex.raw(`
    update identities i set status = 'ended', ended_at = now()
      from identity_duplicates d where i.id = d.id`);
  await knex.raw(`
    create unique index identities_one_per_role on identities (person_id, role, school_code)
     where status = 'active' and ended_at is null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists identities_one_per_role');
}
