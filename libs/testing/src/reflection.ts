import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const reflectionProto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
}

interface ReflectionClient extends grpc.Client {
  ServerReflectionInfo(): grpc.ClientDuplexStream<{ listServices: string }, ReflectionResponse>;
}

/** Lists the services a server advertises through standard gRPC server reflection (what grpcurl uses). */
export function listServicesByReflection(port: number): Promise<string[]> {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(reflectionProto, { keepCase: false })) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: new (address: string, credentials: grpc.ChannelCredentials) => ReflectionClient } } };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.on('data', (response: ReflectionResponse) => {
      resolve((response.listServicesResponse?.service ?? []).map((s) => s.name).sort());
      call.end();
      client.close();
    });
    call.on('error', reject);
    call.write({ listServices: '' });
  });
}
