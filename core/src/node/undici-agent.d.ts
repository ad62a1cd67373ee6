/**
 * Types of undici's `Agent` module, which the transport imports on its own. The module's
 * `module.exports` is the class, the default export when imported from an ES module.
 */
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';

  const AgentClass: typeof Agent;
  export default AgentClass;
}
