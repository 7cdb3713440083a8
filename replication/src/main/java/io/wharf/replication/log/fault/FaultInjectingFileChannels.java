package io.wharf.replication.log.fault;

import io.wharf.replication.log.LogFileChannels;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@link LogFileChannels} whose channels delegate to real ones but first apply the
 * {@link DiskFaults} their source names for that file at that moment: segment writes and fsyncs
 * are held up (a slow disk), throw {@link IOException} (a failing disk), or run out of space (a
 * full disk, which also refuses to create a new file). Faults apply at once to channels already
 * open; reads, truncation and everything else pass straight through. Brokers in the nemesis suite
 * drive it through a {@link DiskFaultControlFile} (decision {@code disk-fault-injection.md});
 * in-process tests drive it with rules per directory. Thread-safe; delays run on the calling thread.
 */
public final class FaultInjectingFileChannels implements LogFileChannels {

    /** The operations a source is asked about. */
    public enum Operation {
        /** Opening a file that does not exist yet; only {@link DiskFaults#diskFull} refuses it. */
        CREATE,
        /** A segment write; {@link DiskFaults#failWrites} or {@link DiskFaults#diskFull} fails it. */
        WRITE,
        /** An fsync; {@link DiskFaults#failFsyncs} fails it. */
        FSYNC
    }

    /**
     * Where the faults come from; called once before every file creation, write and fsync, so it
     * must be cheap.
     */
    @FunctionalInterface
    public interface FaultSource {
        /** The faults that apply to {@code operation}, about to run on {@code file}, now. */
        DiskFaults current(Path file, Operation operation) throws IOException;
    }

    /** Holds the calling thread up for a while (a slow disk). */
    @FunctionalInterface
    public interface Delay {
        /** Sleeps on the calling thread for {@code duration}. */
        Delay SLEEP = duration -> Thread.sleep(duration.toMillis());

        void hold(Duration duration) throws InterruptedException;
    }

    /** The text the JDK gives ENOSPC, which the log recognises as a full disk. */
    private static final String NO_SPACE = "No space left on device";

    private final LogFileChannels real;
    private final FaultSource faults;
    private final Delay delay;

    /**
     * @param real  opens the files the channels delegate to
     * @param faults the faults to apply, asked before each file creation, write and fsync
     * @param delay how a slow write or fsync waits
     */
    public FaultInjectingFileChannels(LogFileChannels real, FaultSource faults, Delay delay) {
        this.real = real;
        this.faults = faults;
        this.delay = delay;
    }

    /**
     * Real files, with the faults {@code control} asks for whatever the file and operation, delays
     * slept on the calling thread.
     */
    public static FaultInjectingFileChannels controlledBy(DiskFaultControlFile control) {
        return new FaultInjectingFileChannels(LogFileChannels.DEFAULT, (file, operation) -> control.current(),
                Delay.SLEEP);
    }

    /** On a full disk a new file cannot be created (no space for its first block or its inode). */
    @Override
    public FileChannel open(Path file) throws IOException {
        if (!Files.exists(file) && faults.current(file, Operation.CREATE).diskFull()) {
            throw noSpace("creating", file);
        }
        return new FaultInjectingChannel(file, real.open(file));
    }

    /** ENOSPC in the JDK's words, so the log treats it as the real thing, naming the injection. */
    private static IOException noSpace(String operation, Path file) {
        return new IOException(NO_SPACE + " (injected disk full, " + operation + " " + file + ")");
    }

    /** A real channel behind the fault checks. */
    private final class FaultInjectingChannel extends FileChannel {

        private final Path file;
        private final FileChannel channel;

        FaultInjectingChannel(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
        }

        /** Applies the write delay and failure; the caller still has to honour a full disk. */
        private DiskFaults beforeWrite() throws IOException {
            DiskFaults now = faults.current(file, Operation.WRITE);
            hold(now.writeDelay(), "write");
            if (now.failWrites()) {
                throw new IOException("injected write failure on " + file + " (disk fault injection)");
            }
            return now;
        }

        private void hold(Duration duration, String operation) throws IOException {
            if (duration.isZero()) {
                return;
            }
            try {
                delay.hold(duration);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted in an injected " + duration.toMillis() + " ms delay of a "
                        + operation + " of " + file);
            }
        }

        @Override
        public void force(boolean metaData) throws IOException {
            DiskFaults now = faults.current(file, Operation.FSYNC);
            hold(now.fsyncDelay(), "fsync");
            if (now.failFsyncs()) {
                throw new IOException("injected fsync failure on " + file + " (disk fault injection)");
            }
            channel.force(metaData);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (beforeWrite().diskFull()) {
                throw noSpace("writing", file);
            }
            return channel.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (beforeWrite().diskFull()) {
                throw noSpace("writing", file);
            }
            return channel.write(srcs, offset, length);
        }

        /**
         * Segments are written here, so a full disk fails it the way a real one does: part way,
         * leaving half the bytes in the file for the log to cut back.
         */
        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (beforeWrite().diskFull()) {
                ByteBuffer half = src.duplicate();
                half.limit(half.position() + half.remaining() / 2);
                channel.write(half, position);
                throw noSpace("writing", file);
            }
            return channel.write(src, position);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            if (beforeWrite().diskFull()) {
                throw noSpace("writing", file);
            }
            return channel.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return channel.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return channel.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return channel.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return channel.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            channel.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return channel.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            channel.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return channel.transferTo(position, count, target);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return channel.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return channel.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return channel.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            channel.close();
        }
    }
}
