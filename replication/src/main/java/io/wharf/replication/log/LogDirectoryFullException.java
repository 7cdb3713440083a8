package io.wharf.replication.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An append found no space left on the log's file system (ENOSPC) and was rolled back: nothing of
 * it is in the log, which stays online and consistent, and the same append may succeed once
 * space is freed. Unlike other I/O errors (see {@link LogOfflineException}) a full disk loses
 * nothing already written: the kernel refused the write before it changed anything but the
 * file's tail, which the log cuts back. Immutable.
 */
public final class LogDirectoryFullException extends LogStorageException {
    private static final long serialVersionUID = 1L;

    /** The text the JDK gives ENOSPC in an {@link IOException}'s message. */
    private static final String NO_SPACE = "No space left on device";

    private final Path directory;

    LogDirectoryFullException(Path directory, String operation, Exception noSpace) {
        super("no space left on the file system of " + directory + " during " + operation + " (" + noSpace
                + "); the append was rolled back, the log stays online");
        this.directory = directory;
        addSuppressed(noSpace);
    }

    /** The log's directory. */
    public Path directory() {
        return directory;
    }

    /** True when {@code failure}, or one of its causes, is the file system reporting ENOSPC. */
    static boolean isNoSpace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IOException && t.getMessage() != null && t.getMessage().contains(NO_SPACE)) {
                return true;
            }
        }
        return false;
    }
}
