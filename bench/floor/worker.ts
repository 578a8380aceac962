/**
 * The "floor" baseline: a bare Worker on the same workerd that reads the request body as text, parses it as JSON
 * (as Vigil's prediction route does) and answers a constant JSON prediction. No model, no framework: what
 * workerd itself costs per request (accepting it, the body, JSON, a Response), the least any Worker can pay.
 *
 * POST /<anything> with a JSON body → {"predictions":[{"value":0}]}; 400 when the body is not JSON.
 */
const ANSWER = JSON.stringify({ predictions: [{ value: 0 }] });
const HEADERS = { 'content-type': 'application/json' };

export default {
  async fetch(request: Request): Promise<Response> {
    let body: unknown;
    try {
      body = JSON.parse(await request.text());
    } catch {
      return new Response('{"error":"the body is not JSON"}', { status: 400, headers: HEADERS });
    }
    // The parsed body is only checked for being an object, so the parse cannot be optimized away.
    if (typeof body !== 'object' || body === null)
      return new Response('{"error":"expected a JSON object"}', { status: 400, headers: HEADERS });
    return new Response(ANSWER, { headers: HEADERS });
  },
};
