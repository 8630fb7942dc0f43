// GET /api/v1/agents: the agents connected now, with what each last said of
// itself (state, run, in-flight requests, rate, CPU, event-loop lag).
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { AgentSession } from '../../cluster/agent-session.ts';
import type { Cluster } from '../../cluster/cluster.ts';
import { anyObject } from '../schemas.ts';

export interface AgentRoutesOptions {
  cluster: Cluster;
}

function agentView(s: AgentSession) {
  const st = s.status;
  return {
    id: s.id,
    name: s.name,
    host: s.remoteAddress,
    hostname: s.hello?.hostname ?? '',
    cpus: s.hello?.cpus ?? 0,
    weight: s.hello?.weight ?? 1,
    version: s.hello?.version ?? '',
    lastSeen: new Date(s.lastSeen).toISOString(),
    status:
      st === undefined
        ? null
        : {
            state: st.state,
            run: st.runId || null,
            inFlight: st.inFlight,
            activeVus: st.activeVus,
            rps: st.rps,
            cpuCores: st.cpuCores,
            eventLoopP99Ms: st.eventLoopP99Ms,
            at: new Date(st.at).toISOString(),
          },
  };
}

export const agentRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: AgentRoutesOptions }> = async (app, o) => {
  app.get('/agents', { schema: { response: { 200: { type: 'array', items: anyObject } } } }, async () =>
    [...o.cluster.agents.values()].map(agentView),
  );
};
