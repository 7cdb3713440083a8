package io.wharf.replication.log;

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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link LogFileChannels} for fault injection. Its channels delegate to real files, but writes or
 * fsyncs of files under a directory a test names can be made to throw {@link IOException} or to
 * take longer. The directory may be one log's partition directory or a broker's log directory
 * holding many logs. A rule applies at once, to channels already open as well as later ones, until
 * {@link #heal} removes it. Thread-safe. Shared with other modules' tests through this module's
 * test jar.
 */
public final class FaultyFileChannels implements LogFileChannels {
    private final Set<Path> failingWrites = ConcurrentHashMap.newKeySet();
    private final Set<Path> failingFsyncs = ConcurrentHashMap.newKeySet();
    private final Set<Path> fullDisks = ConcurrentHashMap.newKeySet();
    private final Map<Path, Duration> slowFsyncs = new ConcurrentHashMap<>();
    private final AtomicInteger injectedFailures = new AtomicInteger();
    private final AtomicInteger fsyncs = new AtomicInteger();

    /** Every write to a file under {@code dir} throws from now on. */
    public void failWrites(Path dir) {
        failingWrites.add(key(dir));
    }

    /**
     * The disk under {@code dir} is full from now on: a positional write (how segments are
     * written) writes half its bytes and then throws the JDK's ENOSPC IOException, as a write
     * that runs out of space part way does; other writes throw it at once, and so does opening a
     * file that does not exist yet.
     */
    public void fillDisk(Path dir) {
        fullDisks.add(key(dir));
    }

    /** Every fsync ({@link FileChannel#force}) of a file under {@code dir} throws from now on. */
    public void failFsyncs(Path dir) {
        failingFsyncs.add(key(dir));
    }

    /** Every fsync of a file under {@code dir} first sleeps {@code delay} (a slow disk). */
    public void slowFsyncs(Path dir, Duration delay) {
        slowFsyncs.put(key(dir), delay);
    }

    /** Removes the rules set for exactly {@code dir}; rules for its parents or children stay. */
    public void heal(Path dir) {
        Path key = key(dir);
        failingWrites.remove(key);
        failingFsyncs.remove(key);
        fullDisks.remove(key);
        slowFsyncs.remove(key);
    }

    /** How many operations failed because of a rule so far. */
    public int injectedFailures() {
        return injectedFailures.get();
    }

    /** How many fsyncs went through to the disk so far (failed ones not counted). */
    public int fsyncs() {
        return fsyncs.get();
    }

    /** On a full disk a new file cannot be created either (no space for its first block or its inode). */
    @Override
    public FileChannel open(Path file) throws IOException {
        Path key = key(file);
        if (covers(fullDisks, key) && !Files.exists(key)) {
            injectedFailures.incrementAndGet();
            throw new IOException("No space left on device");
        }
        return new FaultyChannel(key, LogFileChannels.DEFAULT.open(file));
    }

    private static Path key(Path path) {
        return path.toAbsolutePath().normalize();
    }

    private static boolean covers(Set<Path> dirs, Path file) {
        return dirs.stream().anyMatch(file::startsWith);
    }

    private IOException injected(String operation, Path file) {
        injectedFailures.incrementAndGet();
        return new IOException("injected " + operation + " failure on " + file);
    }

    /** Delegates to a real channel, consulting the rules before each write and fsync. */
    private final class FaultyChannel extends FileChannel {
        private final Path file;
        private final FileChannel real;

        FaultyChannel(Path file, FileChannel real) {
            this.file = file;
            this.real = real;
        }

        private void beforeWrite() throws IOException {
            if (covers(failingWrites, file)) {
                throw injected("write", file);
            }
            if (covers(fullDisks, file)) {
                throw noSpace();
            }
        }

        private IOException noSpace() {
            injectedFailures.incrementAndGet();
            return new IOException("No space left on device");
        }

        @Override
        public void force(boolean metaData) throws IOException {
            Duration delay = slowFsyncs.entrySet().stream().filter(e -> file.startsWith(e.getKey()))
                    .map(Map.Entry::getValue).max(Duration::compareTo).orElse(Duration.ZERO);
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted in a slowed fsync of " + file);
                }
            }
            if (covers(failingFsyncs, file)) {
                throw injected("fsync", file);
            }
            real.force(metaData);
            fsyncs.incrementAndGet();
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            beforeWrite();
            return real.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            beforeWrite();
            return real.write(srcs, offset, length);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (covers(fullDisks, file) && src.remaining() > 1) {
                ByteBuffer half = src.duplicate();
                half.limit(half.position() + half.remaining() / 2);
                real.write(half, position);
                throw noSpace();
            }
            beforeWrite();
            return real.write(src, position);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            beforeWrite();
            return real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return real.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
