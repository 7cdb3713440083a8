package io.wharf.cli.cluster;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One node of a local cluster as last seen: its process and what the controllers report about it.
 * Immutable; fields the controllers did not report are null.
 *
 * @param name {@code controller-N} / {@code broker-N}
 * @param role {@code controller} / {@code broker}
 * @param id the node id
 * @param pid the process id when the node runs
 * @param running whether its process is alive
 * @param rpcPort its gRPC port
 * @param raftPort a controller's Raft port
 * @param metricsPort the port of its HTTP endpoint (Prometheus metrics, health probes)
 * @param state a controller's Raft role (leader, follower, candidate, unreachable) or a broker's
 *     state (active, fenced, unregistered); "unknown" when no controller answered
 * @param term a controller's Raft term
 * @param appliedIndex a controller's applied log index
 * @param epoch a broker's registration epoch
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeStatus(String name, String role, int id, Long pid, boolean running,
                         @JsonProperty("rpc_port") int rpcPort, @JsonProperty("raft_port") Integer raftPort,
                         @JsonProperty("metrics_port") Integer metricsPort,
                         String state, Long term, @JsonProperty("applied_index") Long appliedIndex, Long epoch) {
}
