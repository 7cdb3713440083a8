package io.wharf.cli.cluster;

import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * A process for {@link ProcessLivenessTest}: listens on a free port of 127.0.0.1, prints it, and
 * idles with a few more threads, as a node does, until it is killed.
 */
public final class PortHoldingMain {

    private PortHoldingMain() {
    }

    public static void main(String[] args) throws Exception {
        ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        for (int i = 0; i < 20; i++) {
            Thread idle = new Thread(() -> {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            idle.setDaemon(true);
            idle.start();
        }
        System.out.println(socket.getLocalPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
