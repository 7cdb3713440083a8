package io.wharf.controller;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/**
 * Waits for linearizable reads by handing a read request to this controller's own Raft server,
 * in-process. With the server's linearizable read option, a leader answers within its lease and a
 * follower after a ReadIndex round with the leader, each once it has applied every entry committed
 * before the request arrived.
 *
 * <p>Why not a RaftClient sending the read to this same server: that took every read twice across
 * the loopback through Ratis's gRPC client and server (the request and the reply serialised, and
 * handed between four threads) for an answer the server in the same JVM gives directly. Under a
 * stream of admin reads, a plain read took 3.0–4.5 ms through the leader that way and takes
 * 1.2–1.9 ms in-process, for about half the controllers' CPU (docs/benchmarks.md, 2026-12-08). A
 * read that fails (no leader known, a leader not ready yet, a ReadIndex round that timed out) is
 * tried again through {@link QuorumRetries}, as that RaftClient's retry policy did.
 *
 * <p>Threading: thread-safe.
 */
final class LinearizableReads {

    private static final Message READ_BARRIER = Message.valueOf("wharf-read-barrier");

    private final RaftServer server;
    private final RaftGroup group;
    private final RaftPeerId self;
    private final QuorumRetries retries;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final long attemptTimeoutMs;

    LinearizableReads(RaftServer server, RaftGroup group, RaftPeerId self, ControllerConfig config, QuorumRetries retries) {
        this.server = server;
        this.group = group;
        this.self = self;
        this.retries = retries;
        this.attemptTimeoutMs = config.quorumRequestTimeoutMs();
    }

    /**
     * Completes once this controller has applied everything committed before the call; fails as
     * {@link QuorumRetries#run} does when no attempt succeeded.
     */
    CompletableFuture<Void> await() {
        return retries.run(() -> Optional.of(send(request())), "confirm a linearizable read").thenApply(reply -> null);
    }

    private RaftClientRequest request() {
        return RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(self)
                .setGroupId(group.getGroupId())
                .setCallId(callIds.incrementAndGet())
                .setMessage(READ_BARRIER)
                .setType(RaftClientRequest.readRequestType())
                .build();
    }

    private CompletableFuture<RaftClientReply> send(RaftClientRequest request) {
        try {
            return server.submitClientRequestAsync(request).orTimeout(attemptTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
