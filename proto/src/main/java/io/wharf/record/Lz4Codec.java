package io.wharf.record;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.xxhash.XXHashFactory;

/**
 * LZ4 in the standard LZ4 frame format with 64 KB independent blocks (what Kafka clients write).
 * Stateless; thread-safe (the lz4-java compressors it shares are thread-safe).
 */
final class Lz4Codec implements CompressionCodec {
    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();
    private static final XXHashFactory XXHASH = XXHashFactory.fastestInstance();

    @Override
    public OutputStream compressing(OutputStream sink) throws IOException {
        return new LZ4FrameOutputStream(sink, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, -1L,
                LZ4.fastCompressor(), XXHASH.hash32(), LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE);
    }

    @Override
    public InputStream decompressing(InputStream source) throws IOException {
        return new LZ4FrameInputStream(source, LZ4.safeDecompressor(), XXHASH.hash32());
    }
}
