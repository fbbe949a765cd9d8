import { PolicyInvalidError } from '../errors/errors';
import { validatePolicy } from '../policy/policy-validation';
import { DEFAULT_COMMS_TEMPLATES } from './comms-policy';
import { COMMS_PLACEHOLDERS, renderTemplate, templateErrors, type CommsFacts } from './comms-template';

const facts: CommsFacts = {
  incidentId: 'inc-1',
  title: 'Token <leaked> & found',
  severity: 'high',
  status: 'contained',
  kind: 'incident',
  owner: 'alice',
  audience: 'customers',
  openedAt: '2030-01-01T12:00:00Z',
  containedAt: '',
  resolvedAt: '',
  affectedAudiences: 'orders-api, payments-api',
  whatToDo: 'sign in again',
};
const limits = { accessTokenTtlSeconds: 300, prepublishLeadMs: 60_000, promotionGateTimeoutMs: 30_000 };

function policyError(policy: unknown): PolicyInvalidError {
  try {
    validatePolicy(policy, limits, 'policy.yaml');
  } catch (error) {
    if (error instanceof PolicyInvalidError) return error;
    throw error;
  }
  throw new Error('the policy was accepted');
}

describe('message templates', () => {
  it('insert values as they are (Markdown, not HTML) and show sections only for non-empty values', () => {
    const text = renderTemplate('**{{title}}** in {{affectedAudiences}}. {{#containedAt}}Contained {{containedAt}}.{{/containedAt}}{{^containedAt}}Not contained yet.{{/containedAt}} {{{whatToDo}}}', facts);
    expect(text).toBe('**Token <leaked> & found** in orders-api, payments-api. Not contained yet. sign in again');
  });

  it('name each unknown placeholder, including inside sections, and refuse partials and broken syntax', () => {
    expect(templateErrors('{{whatTodo}} {{#contained}}{{x}}{{/contained}} {{title}}')).toEqual([
      expect.stringContaining('names the unknown placeholder {{whatTodo}}; known placeholders: incidentId, title'),
      expect.stringContaining('{{contained}}'),
      expect.stringContaining('{{x}}'),
    ]);
    expect(templateErrors('{{> footer}}')).toEqual([expect.stringContaining('uses the partial {{> footer}}')]);
    expect(templateErrors('{{#containedAt}}open section')).toEqual([expect.stringMatching(/^is not a valid template: Unclosed section "containedAt"/)]);
    expect(() => renderTemplate('{{nope}}', facts)).toThrow(TypeError);
  });

  it('defaults use only known placeholders', () => {
    for (const template of Object.values(DEFAULT_COMMS_TEMPLATES)) expect(templateErrors(template)).toEqual([]);
    expect(Object.keys(COMMS_PLACEHOLDERS)).toEqual(Object.keys(facts));
  });

  it('an unknown placeholder in the policy is a validation error naming the template and the placeholder', () => {
    const error = policyError({ comms: { templates: { customers: 'Please {{whatTodo}}' } } });
    expect(error.message).toContain('comms.templates.customers');
    expect(error.message).toContain('{{whatTodo}}');
  });

  it('webhooks need exactly one URL source, a secret variable when signed, and unique names', () => {
    const error = policyError({
      comms: {
        webhooks: [
          { name: 'ops', kind: 'slack', audiences: ['engineers'] },
          { name: 'ops', kind: 'signed', url: 'https://hooks.example/x', audiences: ['customers'] },
        ],
      },
    });
    expect(error.message).toContain('comms.webhooks[0]: must give exactly one of url, urlEnv');
    expect(error.message).toContain('comms.webhooks[1].secretEnv: is required for a signed webhook');
    expect(error.message).toContain('comms.webhooks[1].name: is used by another webhook (ops)');
    expect(policyError({ comms: { webhooks: [{ name: 'sec', kind: 'slack', url: 'ftp://x', audiences: ['security'] }] } }).message).toBe('policy.yaml: comms.webhooks[0].url: must be an http(s) URL');
    expect(() => policyError({ comms: { webhooks: [{ name: 'ok', kind: 'signed', url: 'https://h.example/', secretEnv: 'HOOK_SECRET', audiences: ['customers'] }] } })).toThrow('the policy was accepted');
  });
});
