package dev.lipsim.bindings;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a libtorch was found: the libraries to open, in dependency order, and the optional
 * CUDA libraries to open after them.
 *
 * @param origin how it was found, for reports ("Maven Central ...", "LIBTORCH=...")
 * @param directory the folder holding the libraries
 * @param required libraries that must load, in order
 * @param cuda CUDA libraries present in the folder, in order; may be empty
 */
record LibraryLocation(String origin, Path directory, List<Path> required, List<Path> cuda) {}
