package io.wharf.cli.cluster;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Stands in for ControllerMain / BrokerMain in launcher tests: prints its arguments, the node id
 * from its properties file, its own pid and a temporary file it leaves behind (as lz4-java's
 * unpacked library is left by a killed node), then idles until it is signalled. Single-threaded (its main thread).
 */
public final class FakeNodeMain {

    private FakeNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        java.util.Properties properties = new java.util.Properties();
        try (var reader = Files.newBufferedReader(Path.of(args[1]))) {
            properties.load(reader);
        }
        System.out.println("fake node " + properties.getProperty("node.id") + " started with " + String.join(" ", args));
        System.out.println("fake node pid " + ProcessHandle.current().pid());
        System.out.println("fake node temporary file " + java.io.File.createTempFile("fake-node-", ".so").getAbsolutePath());
        System.out.flush();
        Thread.currentThread().join();
    }
}
