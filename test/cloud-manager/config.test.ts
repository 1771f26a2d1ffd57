import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError, resolveApiBaseUrl } from '../../src/cloud-manager/config';

describe('resolveApiBaseUrl', () => {
  const env = { IMPLY_API_URL: 'http://127.0.0.1:8080/api/v1', IMPLY_VANITY_DOMAIN: 'envco' };

  it('builds the Imply Cloud URL from a vanity domain', () => {
    assert.equal(
      resolveApiBaseUrl({ env: { IMPLY_VANITY_DOMAIN: 'Acme-2' } }),
      'https://acme-2.implycloud.com/api/v1',
    );
  });

  it('prefers --api-url, then --vanity-domain, then IMPLY_API_URL, then IMPLY_VANITY_DOMAIN', () => {
    assert.equal(
      resolveApiBaseUrl({ apiUrl: 'http://127.0.0.1:1/api/v1', vanityDomain: 'flag', env }),
      'http://127.0.0.1:1/api/v1',
    );
    assert.equal(resolveApiBaseUrl({ vanityDomain: 'flag', env }), 'https://flag.implycloud.com/api/v1');
    assert.equal(resolveApiBaseUrl({ env }), 'http://127.0.0.1:8080/api/v1');
    assert.equal(
      resolveApiBaseUrl({ env: { IMPLY_VANITY_DOMAIN: 'envco' } }),
      'https://envco.implycloud.com/api/v1',
    );
  });

  it('drops trailing slashes', () => {
    assert.equal(
      resolveApiBaseUrl({ apiUrl: 'http://127.0.0.1:8080/api/v1//', env: {} }),
      'http://127.0.0.1:8080/api/v1',
    );
  });

  it('names the flag and the fix for a bad vanity domain', () => {
    assert.throws(
      () => resolveApiBaseUrl({ vanityDomain: 'acme.implycloud.com', env: {} }),
      (error: Error) =>
        error instanceof ConfigurationError &&
        /--vanity-domain 'acme\.implycloud\.com'/.test(error.message) &&
        /give only the first part, e\.g\. 'acme'/.test(error.message),
    );
    assert.throws(
      () => resolveApiBaseUrl({ env: { IMPLY_VANITY_DOMAIN: '-bad_' } }),
      /IMPLY_VANITY_DOMAIN '-bad_'/,
    );
  });

  it('names the variable for a bad URL', () => {
    assert.throws(
      () => resolveApiBaseUrl({ env: { IMPLY_API_URL: 'not a url' } }),
      /IMPLY_API_URL 'not a url' is not a URL/,
    );
    assert.throws(
      () => resolveApiBaseUrl({ apiUrl: 'ftp://x/api/v1', env: {} }),
      /--api-url must start with https:/,
    );
    assert.throws(
      () => resolveApiBaseUrl({ apiUrl: 'http://x/api/v1?pretty=true', env: {} }),
      /query string/,
    );
  });

  it('refuses credentials in the URL without repeating them', () => {
    assert.throws(
      () => resolveApiBaseUrl({ env: { IMPLY_API_URL: 'https://user:hunter2@acme.implycloud.com/api/v1' } }),
      (error: Error) => /IMPLY_TOKEN/.test(error.message) && !error.message.includes('hunter2'),
    );
  });

  it('says which variables to set when nothing is configured', () => {
    assert.throws(
      () => resolveApiBaseUrl({ env: {} }),
      /IMPLY_VANITY_DOMAIN.*--vanity-domain.*IMPLY_API_URL/,
    );
  });
});
