// The two portals the end-to-end tests run against, shared by the configuration and specs.
// The main one has the normal settings; the idle one ends sessions after 24 seconds
// without activity (warning 12 seconds before) so the idle-timeout tests take seconds,
// not a quarter of an hour.
const port = Number(process.env.PORTAL_E2E_PORT ?? 3100);
const idlePort = Number(process.env.PORTAL_E2E_IDLE_PORT ?? port + 1);

export const MAIN_PORTAL = { port, url: `http://127.0.0.1:${port}` };
export const IDLE_PORTAL = {
  port: idlePort,
  url: `http://127.0.0.1:${idlePort}`,
  idleTimeoutSeconds: 24,
  idleWarningSeconds: 12,
};
