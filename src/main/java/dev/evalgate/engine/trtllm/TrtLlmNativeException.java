package dev.evalgate.engine.trtllm;

import dev.evalgate.engine.EngineException;

/** A C++ exception of the TensorRT-LLM bridge, rethrown in Java by the JNI entry point it reached. */
public class TrtLlmNativeException extends EngineException {

    /** Called from native code (JNI ThrowNew), with the C++ exception's what(). */
    public TrtLlmNativeException(String message) {
        super(message);
    }
}
