import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPasswordPolicy } from '../people/password-policy.ts';
import { readDemoData } from './seed.ts';

test("the demo accounts' passwords obey the product's own password rules", () => {
  for (const p of readDemoData().people) {
    assert.equal(
      checkPasswordPolicy(p.password, { username: p.username, email: p.email, name: p.name }),
      undefined,
      p.username,
    );
  }
});
