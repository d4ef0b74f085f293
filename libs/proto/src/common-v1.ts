export * from './generated/mlops/common/v1/model';
export * from './generated/mlops/common/v1/paging';
export * from './generated/mlops/common/v1/profile';
export * from './generated/mlops/common/v1/values';
