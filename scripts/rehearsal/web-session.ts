import { request } from 'undici';

/** A person at the approvals page over plain HTTP: signs in by token link, reads pages, posts forms. */
export class WebSession {
  private cookie = '';

  constructor(
    readonly user: string,
    private baseUrl: string,
  ) {}

  /** The same browser, now talking to another replica (cookies are per host, not per port). */
  on(baseUrl: string): WebSession {
    const other = new WebSession(this.user, baseUrl);
    other.cookie = this.cookie;
    return other;
  }

  /** Opens the token link; throws unless it signs the user in. */
  async signIn(token: string): Promise<void> {
    const response = await request(`${this.baseUrl}/login?token=${encodeURIComponent(token)}`);
    const setCookie = response.headers['set-cookie'];
    await response.body.text();
    const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
    if (response.statusCode !== 200 || !first) {
      throw new Error(`${this.user} could not sign in at ${this.baseUrl}: HTTP ${response.statusCode}`);
    }
    this.cookie = first.split(';')[0]!;
  }

  async get(path: string): Promise<{ status: number; body: string }> {
    const response = await request(`${this.baseUrl}${path}`, { headers: { cookie: this.cookie } });
    return { status: response.statusCode, body: await response.body.text() };
  }

  /** Posts a form the way a browser on this replica's page does (its Origin). */
  async post(path: string, fields: Record<string, string>): Promise<{ status: number; body: string }> {
    const response = await request(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        cookie: this.cookie,
        origin: this.baseUrl,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: response.statusCode, body: await response.body.text() };
  }
}

/** A hidden form field's value on a page, or undefined. Pure. */
export function hiddenField(page: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1];
}
