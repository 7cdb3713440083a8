package io.wharf.record;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Compresses and decompresses the records section of a batch with one algorithm's standard
 * stream format. Implementations are stateless and thread-safe.
 */
interface CompressionCodec {

    /** Wraps {@code sink} so bytes written to the result reach it compressed. */
    OutputStream compressing(OutputStream sink) throws IOException;

    /** Wraps {@code source} so reading the result yields the decompressed bytes. */
    InputStream decompressing(InputStream source) throws IOException;

    /** Compresses {@code length} bytes of {@code plain} from {@code offset}. */
    default byte[] compress(byte[] plain, int offset, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, length / 2));
        try (OutputStream compressing = compressing(out)) {
            compressing.write(plain, offset, length);
        } catch (IOException e) {
            throw new IllegalStateException("compression failed in memory", e);
        }
        return out.toByteArray();
    }

    /**
     * Decompresses the remaining bytes of {@code compressed} (its position is not moved).
     *
     * @throws CorruptRecordException if the bytes are not a valid stream for this codec
     */
    default byte[] decompress(ByteBuffer compressed) {
        try (InputStream in = decompressing(new ByteBufferInputStream(compressed.duplicate()))) {
            return in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            throw new CorruptRecordException(CorruptRecordException.Problem.MALFORMED_RECORDS,
                    "cannot decompress the records section: " + e, e);
        }
    }

    /** An InputStream over a ByteBuffer's remaining bytes; single-threaded. */
    final class ByteBufferInputStream extends InputStream {
        private final ByteBuffer buffer;

        ByteBufferInputStream(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public int read() {
            return buffer.hasRemaining() ? buffer.get() & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!buffer.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, buffer.remaining());
            buffer.get(b, off, n);
            return n;
        }

        @Override
        public int available() {
            return buffer.remaining();
        }
    }
}
