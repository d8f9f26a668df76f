/*
 * The part of the MPI C API that this project calls, as Open MPI declares it (mpi.h, Open MPI 4
 * and 5). The build generates dev.lipsim.distributed.ffm.MpiC from it.
 *
 * Open MPI's handles are pointers to its own structs, and its predefined objects (MPI_COMM_WORLD,
 * MPI_FLOAT, MPI_SUM, ...) are the addresses of global symbols (ompi_mpi_comm_world,
 * ompi_mpi_float, ompi_mpi_op_sum, ...), which Mpi looks up by name. MPI_IN_PLACE is (void*) 1;
 * MPI_STATUS_IGNORE and MPI_STATUSES_IGNORE are null.
 * Every function returns MPI_SUCCESS (0) or an error code that MPI_Error_string explains.
 */
typedef struct ompi_communicator_t* MPI_Comm;
typedef struct ompi_datatype_t* MPI_Datatype;
typedef struct ompi_op_t* MPI_Op;
typedef struct ompi_request_t* MPI_Request;

int MPI_Initialized(int* flag);
int MPI_Finalized(int* flag);
int MPI_Init_thread(int* argc, char*** argv, int required, int* provided);
int MPI_Finalize(void);
int MPI_Abort(MPI_Comm comm, int errorcode);
int MPI_Comm_rank(MPI_Comm comm, int* rank);
int MPI_Comm_size(MPI_Comm comm, int* size);
int MPI_Barrier(MPI_Comm comm);
int MPI_Allreduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm);
int MPI_Bcast(void* buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm);
int MPI_Isend(const void* buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request* request);
int MPI_Irecv(void* buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm, MPI_Request* request);
int MPI_Test(MPI_Request* request, int* flag, struct ompi_status_public_t* status);
int MPI_Testall(int count, MPI_Request* requests, int* flag, struct ompi_status_public_t* statuses);
int MPI_Error_string(int errorcode, char* string, int* resultlen);
