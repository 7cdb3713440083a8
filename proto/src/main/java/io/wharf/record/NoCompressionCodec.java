package io.wharf.record;

import java.io.InputStream;
import java.io.OutputStream;

/** The identity codec, so every compression type has a codec. Stateless; thread-safe. */
final class NoCompressionCodec implements CompressionCodec {

    @Override
    public OutputStream compressing(OutputStream sink) {
        return sink;
    }

    @Override
    public InputStream decompressing(InputStream source) {
        return source;
    }
}
