// The one shape of every API refusal (refuseJson in api-client.ts, and the outer handler for /api/ paths), as the
// OpenAPI document names it: a stable code, and where a request had bad fields, which.
import { z } from 'zod';

const RowProblem = z.object({
  part: z.string().optional().meta({ description: 'the roster part (`classes`, `students`, …), for roster files' }),
  index: z.int().meta({ description: 'the row’s index in its array (-1: the array itself)' }),
  field: z.string().meta({ description: 'the row’s field (empty: the whole row)' }),
  column: z.string().optional().meta({ description: 'the Excel template’s column for the field' }),
  code: z.string().optional().meta({ description: 'the problem’s code (`nationalId`, `duplicate`, …)' }),
  message: z.string().meta({ description: 'what is wrong, in plain words (in the Accept-Language language)' }),
});

export const ErrorBody = z
  .object({
    error: z.string().meta({ description: 'a stable code: the operation lists the ones it answers' }),
    error_description: z.string().optional().meta({ description: 'the same in plain words' }),
    fields: z.record(z.string(), z.string()).optional().meta({
      description: 'bad fields of a JSON body: the field’s path → a code (`invalid_national_id`, `too_small`, …)',
    }),
    errors: z.array(RowProblem).optional().meta({ description: 'bad rows of an upload, each with where and why' }),
  })
  .meta({ description: 'A refusal.' });
