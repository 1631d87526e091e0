package dev.evalgate.engine;

/**
 * The engine refused the request for a reason that is the client's to fix (an upstream server answered 4xx): the
 * client gets the same status and error.
 *
 * @see dev.evalgate.engine.upstream.UpstreamEngine
 */
public class EngineRejectedException extends EngineException {

    private final int status;
    private final String type;
    private final String param;

    public EngineRejectedException(int status, String type, String param, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }
}
