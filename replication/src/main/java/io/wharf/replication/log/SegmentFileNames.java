package io.wharf.replication.log;

/**
 * How the files of a segment are named in a partition directory: its base offset in 20 digits
 * and the kind of file ({@code .log}, {@code .index}, {@code .timeindex}), plus a suffix while a
 * cleaning writes or swaps in a segment. Names sort as offsets do, and a reopening finds
 * segments by them.
 */
final class SegmentFileNames {
    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";
    /** Added to the file names of a segment the cleaner is still writing; deleted when found at open. */
    static final String CLEANED_SUFFIX = ".cleaned";
    /** Added to the file names of a cleaned segment that is to replace old ones; completed when found at open. */
    static final String SWAP_SUFFIX = ".swap";

    private SegmentFileNames() {
    }

    /** The name of the segment file of kind {@code suffix} for the segment at {@code baseOffset}. */
    static String fileName(long baseOffset, String suffix) {
        return String.format("%020d%s", baseOffset, suffix);
    }

    /** The base offset a segment file named {@code name}, of kind {@code suffix}, is for. */
    static long parseBase(String name, String suffix) {
        String digits = name.substring(0, name.length() - suffix.length());
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new LogStorageException("unexpected file " + name + " in a partition directory: segment files are named <20-digit base offset>" + suffix);
        }
    }
}
