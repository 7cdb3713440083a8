package io.wharf.cluster;

/**
 * SIGSTOP and SIGCONT for a node's process (ProcessHandle can only terminate): a stopped process
 * keeps its sockets and state but runs no code, as a long GC pause or a frozen VM would. Stateless.
 */
final class ProcessSignals {

    private ProcessSignals() {
    }

    static void pause(long pid) {
        ExternalCommand.run("kill", "-STOP", Long.toString(pid));
    }

    static void resume(long pid) {
        ExternalCommand.run("kill", "-CONT", Long.toString(pid));
    }
}
