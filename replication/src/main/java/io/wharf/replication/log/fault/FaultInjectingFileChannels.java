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
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@link LogFileChannels} whose channels delegate to real ones but first apply the
 * {@link DiskFaults} their source names at that moment: segment writes and fsyncs are held up
 * (a slow disk) or throw {@link IOException} (a failing disk). Faults apply at once to channels
 * already open; reads, truncation and everything else pass straight through. Built for the
 * nemesis suite, which drives it in a broker process through a {@link DiskFaultControlFile}
 * (decision {@code disk-fault-injection.md}). Thread-safe; delays run on the calling thread.
 */
public final class FaultInjectingFileChannels implements LogFileChannels {

    /** Where the faults come from; called before every write and fsync, so it must be cheap. */
    @FunctionalInterface
    public interface FaultSource {
        DiskFaults current() throws IOException;
    }

    /** Holds the calling thread up for a while (a slow disk). */
    @FunctionalInterface
    public interface Delay {
        /** Sleeps on the calling thread for {@code duration}. */
        Delay SLEEP = duration -> Thread.sleep(duration.toMillis());

        void hold(Duration duration) throws InterruptedException;
    }

    private final LogFileChannels real;
    private final FaultSource faults;
    private final Delay delay;

    /**
     * @param real  opens the files the channels delegate to
     * @param faults the faults to apply, asked before each write and fsync
     * @param delay how a slow write or fsync waits
     */
    public FaultInjectingFileChannels(LogFileChannels real, FaultSource faults, Delay delay) {
        this.real = real;
        this.faults = faults;
        this.delay = delay;
    }

    /** Real files, with the faults {@code control} asks for, delays slept on the calling thread. */
    public static FaultInjectingFileChannels controlledBy(DiskFaultControlFile control) {
        return new FaultInjectingFileChannels(LogFileChannels.DEFAULT, control::current, Delay.SLEEP);
    }

    @Override
    public FileChannel open(Path file) throws IOException {
        return new FaultInjectingChannel(file, real.open(file));
    }

    /** A real channel behind the fault checks. */
    private final class FaultInjectingChannel extends FileChannel {

        private final Path file;
        private final FileChannel channel;

        FaultInjectingChannel(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
        }

        private void beforeWrite() throws IOException {
            DiskFaults now = faults.current();
            hold(now.writeDelay(), "write");
            if (now.failWrites()) {
                throw new IOException("injected write failure on " + file + " (disk fault injection)");
            }
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
            DiskFaults now = faults.current();
            hold(now.fsyncDelay(), "fsync");
            if (now.failFsyncs()) {
                throw new IOException("injected fsync failure on " + file + " (disk fault injection)");
            }
            channel.force(metaData);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            beforeWrite();
            return channel.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            beforeWrite();
            return channel.write(srcs, offset, length);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            beforeWrite();
            return channel.write(src, position);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            beforeWrite();
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
