package dev.evalgate.prompt.jinja;

/** A chat template refused to render; the message is the template's own (e.g. its raise_exception text). */
public final class ChatTemplateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
