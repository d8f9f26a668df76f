package dev.lipsim.cli;

/** The user's input is wrong (a flag, a file); the message says what and where, on one line. */
final class UsageException extends Exception {

    UsageException(String message) {
        super(message);
    }
}
