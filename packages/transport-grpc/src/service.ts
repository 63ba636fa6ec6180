import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { IngestService } from './gen/edgeplane/v1/ingest_pb.js';
import { DEFAULT_METHOD } from './options.js';

/** The unary method of the ingest service, as generated. */
export type IngestMethod = (typeof IngestService)['method']['ingest'];

/**
 * The service descriptor for `method` (`package.Service/Method`): the generated
 * `edgeplane.v1.IngestService` itself, or a copy renamed to the user's service and method with
 * the same request and response messages, so the server routes and the client calls that path
 * (`/<package.Service>/<Method>`) with the same wire format.
 */
export function serviceFor(method: string): { service: DescService; method: DescMethod } {
  const ingest = IngestService.method.ingest;
  if (method === DEFAULT_METHOD) return { service: IngestService, method: ingest };
  const slash = method.indexOf('/');
  const typeName = method.slice(0, slash);
  const name = method.slice(slash + 1);
  const dot = typeName.lastIndexOf('.');
  const renamed: { -readonly [K in keyof DescMethod]: DescMethod[K] } = { ...ingest, name };
  const service: DescService = {
    ...IngestService,
    typeName,
    name: typeName.slice(dot + 1),
    methods: [renamed],
    method: { [ingest.localName]: renamed },
  };
  renamed.parent = service;
  return { service, method: renamed };
}
