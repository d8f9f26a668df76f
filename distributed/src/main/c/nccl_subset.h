/*
 * The part of NCCL's C API that this project calls, as nccl.h declares it (NCCL 2.x). The build
 * generates dev.lipsim.distributed.ffm.NcclC from it.
 *
 * ncclResult_t, ncclDataType_t and ncclRedOp_t are C enums, passed as int: ncclSuccess = 0,
 * ncclFloat32 = 7, ncclSum = 0. A communicator is a pointer to NCCL's own struct; a CUDA stream
 * is a pointer too (cudaStream_t), the null pointer meaning CUDA's legacy default stream.
 * ncclUniqueId is 128 opaque bytes, made by one rank and passed by value to every rank's
 * ncclCommInitRank.
 */
typedef struct ncclComm* ncclComm_t;
typedef struct CUstream_st* cudaStream_t;
typedef int ncclResult_t;
typedef int ncclDataType_t;
typedef int ncclRedOp_t;
typedef struct { char internal[128]; } ncclUniqueId;

ncclResult_t ncclGetVersion(int* version);
ncclResult_t ncclGetUniqueId(ncclUniqueId* uniqueId);
ncclResult_t ncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId commId, int rank);
ncclResult_t ncclCommDestroy(ncclComm_t comm);
const char* ncclGetErrorString(ncclResult_t result);
/* The last error's details (NCCL ignores comm; null will do). */
const char* ncclGetLastError(ncclComm_t comm);
ncclResult_t ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype, ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream);
ncclResult_t ncclBroadcast(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype, int root, ncclComm_t comm, cudaStream_t stream);
