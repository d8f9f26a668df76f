package dev.lipsim.bindings;

import java.nio.file.Path;

/** Loading native libraries beside libtorch (MPI's, for instance) the way their plugins need. */
public final class SharedLibraries {

    private SharedLibraries() {}

    /**
     * Loads {@code library} with {@code RTLD_NOW | RTLD_GLOBAL}, so that libraries it loads later
     * (Open MPI's plugins) find its symbols; throws {@link NativeLoadException} with the loader's reason.
     */
    public static void openGlobal(Path library) {
        String problem = Libc.openGlobal(library.toString());
        if (problem != null) {
            throw new NativeLoadException("cannot load " + library + ": " + problem);
        }
    }
}
