package io.wharf.broker.producer;

import io.wharf.broker.ControllerChannels;
import io.wharf.broker.ControllerUnavailableException;
import io.wharf.broker.ServiceThreads;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.AllocateProducerIdsRequest;
import io.wharf.proto.controller.AllocateProducerIdsResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands producer ids to idempotent producers ({@code InitProducerId}) from this broker's block,
 * asking the controllers for a new block ({@code AllocateProducerIds}) when it is used up. One
 * request for a block is in flight at a time; callers that find the block empty wait for it.
 * Thread-safe; owns one thread for the blocking controller call, stopped by {@link #close}.
 */
public final class ProducerIdAllocator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProducerIdAllocator.class);

    /** A failed id request: the wire error the client gets. */
    public static final class AllocationException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Error error;

        AllocationException(Error error) {
            super(error.getCode() + ": " + error.getMessage());
            this.error = error;
        }

        public Error error() {
            return error;
        }
    }

    private final int brokerId;
    private final ControllerChannels controllers;
    private final LongSupplier brokerEpoch;
    private final ExecutorService thread;
    private final ProducerIdPool pool = new ProducerIdPool();           // guarded by this
    private final List<CompletableFuture<Long>> waiting = new ArrayList<>();  // guarded by this
    private boolean fetching;                                           // guarded by this
    private boolean closed;                                             // guarded by this

    public ProducerIdAllocator(int brokerId, ControllerChannels controllers, LongSupplier brokerEpoch) {
        this.brokerId = brokerId;
        this.controllers = controllers;
        this.brokerEpoch = brokerEpoch;
        this.thread = Executors.newSingleThreadExecutor(ServiceThreads.daemon("broker-" + brokerId + "-producer-ids"));
    }

    /**
     * A producer id no one else in the cluster gets. Fails with {@link AllocationException}
     * (CONTROLLER_UNAVAILABLE, retriable) when no block could be had from the controllers.
     */
    public CompletableFuture<Long> nextId() {
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new AllocationException(
                        unavailable("broker " + brokerId + " is shutting down")));
            }
            OptionalLong id = pool.take();
            if (id.isPresent()) {
                return CompletableFuture.completedFuture(id.getAsLong());
            }
            CompletableFuture<Long> result = new CompletableFuture<>();
            waiting.add(result);
            if (!fetching) {
                fetching = true;
                thread.execute(this::fetchBlock);
            }
            return result;
        }
    }

    private void fetchBlock() {
        Error failure = null;
        try {
            long epoch = brokerEpoch.getAsLong();
            if (epoch < 0) {
                failure = unavailable("broker " + brokerId + " is not registered with the controllers yet");
            } else {
                AllocateProducerIdsRequest request = AllocateProducerIdsRequest.newBuilder()
                        .setBrokerId(brokerId).setBrokerEpoch(epoch).build();
                AllocateProducerIdsResponse response = controllers.call(ControllerChannels.Target.ANY,
                        stub -> stub.allocateProducerIds(request), AllocateProducerIdsResponse::getError);
                if (response.getError().getCode() == ErrorCode.NONE) {
                    log.info("Broker {} received producer ids {}..{}", brokerId, response.getProducerIdStart(),
                            response.getProducerIdStart() + response.getProducerIdCount() - 1);
                    synchronized (this) {
                        pool.refill(response.getProducerIdStart(), response.getProducerIdCount());
                    }
                } else {
                    failure = unavailable("the controllers refused broker " + brokerId + " a block of producer ids: "
                            + response.getError().getCode() + " " + response.getError().getMessage());
                }
            }
        } catch (ControllerUnavailableException e) {
            failure = unavailable("no controller answered broker " + brokerId + "'s request for producer ids: "
                    + e.getMessage());
        } catch (RuntimeException e) {
            log.error("Broker {} failed to get a block of producer ids", brokerId, e);
            failure = unavailable("broker " + brokerId + " failed to get a block of producer ids: " + e);
        }
        settleWaiters(failure);
    }

    /** Gives each waiter an id (fetching again if the block ran out) or the failure. */
    private void settleWaiters(Error failure) {
        List<CompletableFuture<Long>> failed = new ArrayList<>();
        List<Runnable> completions = new ArrayList<>();
        synchronized (this) {
            fetching = false;
            while (!waiting.isEmpty()) {
                if (failure != null) {
                    failed.add(waiting.remove(0));
                    continue;
                }
                OptionalLong id = pool.take();
                if (id.isEmpty() && closed) {
                    failure = unavailable("broker " + brokerId + " is shutting down");
                    continue;
                }
                if (id.isEmpty()) {
                    fetching = true;
                    thread.execute(this::fetchBlock);
                    break;
                }
                CompletableFuture<Long> waiter = waiting.remove(0);
                completions.add(() -> waiter.complete(id.getAsLong()));
            }
        }
        completions.forEach(Runnable::run);
        if (failure != null) {
            AllocationException exception = new AllocationException(failure);
            failed.forEach(waiter -> waiter.completeExceptionally(exception));
        }
    }

    private static Error unavailable(String message) {
        return Error.newBuilder().setCode(ErrorCode.CONTROLLER_UNAVAILABLE).setMessage(message + "; retry shortly")
                .setLeaderId(-1).build();
    }

    /** Stops the thread; callers still waiting get CONTROLLER_UNAVAILABLE. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Broker {} producer-id thread did not stop within 5 s", brokerId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        settleWaiters(unavailable("broker " + brokerId + " is shutting down"));
    }
}
