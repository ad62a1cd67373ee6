/** Returns true for host names and addresses that only reach this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare)
  );
}

/** Builds the base url clients use for a bound host and port; wildcard hosts map to loopback. */
export function formatBaseUrl(host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === '0.0.0.0' || bare === '') {
    return `http://127.0.0.1:${port}`;
  }
  if (bare === '::') {
    return `http://[::1]:${port}`;
  }
  return bare.includes(':') ? `http://[${bare}]:${port}` : `http://${bare}:${port}`;
}
