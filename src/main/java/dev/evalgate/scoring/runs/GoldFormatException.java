package dev.evalgate.scoring.runs;

/** A gold or predictions file that cannot be read, with the file and line to look at. */
public class GoldFormatException extends RuntimeException {

    public GoldFormatException(String file, int line, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + problem);
    }
}
