package io.wharf.record;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Zstandard frames through zstd-jni's streams at the default level. Stateless; thread-safe. */
final class ZstdCodec implements CompressionCodec {

    @Override
    public OutputStream compressing(OutputStream sink) throws IOException {
        return new ZstdOutputStreamNoFinalizer(sink);
    }

    @Override
    public InputStream decompressing(InputStream source) throws IOException {
        return new ZstdInputStreamNoFinalizer(source);
    }
}
