package io.wharf.replication.log;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;

/** An executor that only queues; the test runs tasks one at a time, in any order. Thread-safe. */
final class ManualExecutor implements Executor {
    private final Deque<Runnable> queue = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable task) {
        queue.addLast(task);
    }

    synchronized int queued() {
        return queue.size();
    }

    /** Removes the task at {@code index} (0 = submitted first) without running it. */
    synchronized Runnable take(int index) {
        if (index >= queue.size()) {
            throw new IllegalStateException("only " + queue.size() + " tasks are queued, wanted #" + index);
        }
        Runnable[] tasks = queue.toArray(new Runnable[0]);
        queue.removeFirstOccurrence(tasks[index]);
        return tasks[index];
    }

    /** Runs the oldest queued task on the calling thread. */
    void runNext() {
        take(0).run();
    }

    /** Runs queued tasks, oldest first, until none is left. */
    void runAll() {
        while (queued() > 0) {
            runNext();
        }
    }
}
