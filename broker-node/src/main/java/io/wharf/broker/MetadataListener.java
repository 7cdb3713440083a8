package io.wharf.broker;

import io.wharf.metadata.MetadataImage;

/**
 * Told about every change of the broker's metadata image.
 *
 * <p>Calls come one at a time, in offset order, on a gRPC thread of the {@link MetadataFollower},
 * which holds its lock meanwhile: keep them quick, do not block on I/O and do not close the
 * follower from inside. An exception thrown here is logged and does not stop the follower.
 */
@FunctionalInterface
public interface MetadataListener {

    /**
     * The image moved from {@code previous} to {@code current} (one record batch applied, or a
     * snapshot replaced the image). Both are immutable; compare them to find what changed.
     */
    void onImageChanged(MetadataImage previous, MetadataImage current);
}
