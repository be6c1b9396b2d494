package io.ringroute.demo.web;

import io.javalin.http.HttpStatus;

/** A request the web layer refuses before the domain sees it, with the status and a message for the sender. */
final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient HttpStatus status;

    Refusal(HttpStatus status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    HttpStatus status() {
        return status;
    }
}
