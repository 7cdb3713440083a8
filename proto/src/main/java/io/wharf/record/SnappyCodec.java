package io.wharf.record;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.xerial.snappy.SnappyInputStream;
import org.xerial.snappy.SnappyOutputStream;

/** Snappy in snappy-java's framed stream format, the one Kafka clients write. Stateless; thread-safe. */
final class SnappyCodec implements CompressionCodec {

    @Override
    public OutputStream compressing(OutputStream sink) {
        return new SnappyOutputStream(sink);
    }

    @Override
    public InputStream decompressing(InputStream source) throws IOException {
        return new SnappyInputStream(source);
    }
}
