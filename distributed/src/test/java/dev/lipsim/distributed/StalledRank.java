package dev.lipsim.distributed;

/** Under {@code mpirun -np 2}: rank 1 stalls before the all-reduce that rank 0 waits in. */
public final class StalledRank {

    public static void main(String[] args) throws InterruptedException {
        Mpi mpi = Mpi.init();
        if (mpi.rank() == 1) {
            Thread.sleep(600_000);
        }
        mpi.allReduceSum(1.0);
        mpi.close();
    }
}
