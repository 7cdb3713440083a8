package io.wharf.cli.cluster;

import java.nio.file.Path;

/**
 * Where one node's files live: {@code <base>/<node>/} holding {@code node.properties},
 * {@code data/}, {@code node.log} and {@code pid}. Immutable.
 */
public record NodePaths(Path dir) {

    public static NodePaths of(Path baseDir, NodeName node) {
        return new NodePaths(baseDir.resolve(node.toString()).toAbsolutePath().normalize());
    }

    public Path properties() {
        return dir.resolve("node.properties");
    }

    public Path data() {
        return dir.resolve("data");
    }

    public Path log() {
        return dir.resolve("node.log");
    }

    public Path pid() {
        return dir.resolve("pid");
    }

    /**
     * The node JVM's {@code java.io.tmpdir}, emptied at each launch: what its libraries unpack there
     * (lz4-java its native library, at every start) would otherwise pile up in the machine's
     * temporary directory after each kill -9, when no JVM exit hook deletes it.
     */
    public Path tmp() {
        return dir.resolve("tmp");
    }
}
