package io.wharf.record;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** gzip through the JDK's java.util.zip streams. Stateless; thread-safe. */
final class GzipCodec implements CompressionCodec {
    private static final int BUFFER = 8 * 1024;

    @Override
    public OutputStream compressing(OutputStream sink) throws IOException {
        return new GZIPOutputStream(sink, BUFFER);
    }

    @Override
    public InputStream decompressing(InputStream source) throws IOException {
        return new GZIPInputStream(source, BUFFER);
    }
}
