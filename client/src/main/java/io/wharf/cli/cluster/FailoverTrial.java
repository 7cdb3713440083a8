package io.wharf.cli.cluster;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One measured controller failover. Immutable.
 *
 * @param trial 1-based trial number
 * @param ms milliseconds from the SIGKILL of the leader to the commit of the next metadata write
 * @param killed the controller killed
 * @param newLeader the controller leading after the write committed
 * @param killedAt wall-clock time of the kill (ISO-8601, local time, ms), to find the trial in the node logs
 */
public record FailoverTrial(int trial, double ms, String killed, @JsonProperty("new_leader") String newLeader,
                            @JsonProperty("killed_at") String killedAt) {
}
