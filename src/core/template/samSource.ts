/**
 * From a logical id in a stack made from a SAM template (`Transform: AWS::Serverless-2016-10-31`)
 * back to the part of the source template it came from. CloudFormation expands the transform, so
 * a failed event may name a resource the source never defines: `MyFunctionRole`,
 * `MyFunctionGetOrdersPermissionProd`, `ServerlessRestApiProdStage`. SAM names what it generates
 * after the resource it expands (the function's id, then the event's name, then a suffix), and the
 * implicit APIs after `ServerlessRestApi` / `ServerlessHttpApi`. Pure.
 *
 * The rule: an id the source defines is itself; else the longest `AWS::Serverless::*` id that
 * prefixes it (and, on a function, the longest of its event names that comes next); an implicit
 * API's resources go to the first function event that makes the API, else to `Globals`.
 */
import { isMap, isScalar, parseDocument } from 'yaml';

export const SAM_TRANSFORM = 'AWS::Serverless-2016-10-31';

/** Where a (maybe generated) logical id comes from in a SAM template. */
export interface SamSource {
  readonly logicalId: string;
  /** The source resource (undefined when it is the template's `Globals`). */
  readonly sourceId?: string;
  /** The map keys from the top of the template to the definition to open. */
  readonly path: readonly string[];
  /** True when the source does not define `logicalId` itself: SAM made it. */
  readonly generated: boolean;
}

/** The implicit APIs SAM makes from function events without an API id: the generated id's prefix, the event type, the Globals section. */
const IMPLICIT_APIS = [
  { prefix: 'ServerlessRestApi', eventType: 'Api', apiProperty: 'RestApiId', globals: 'Api' },
  { prefix: 'ServerlessHttpApi', eventType: 'HttpApi', apiProperty: 'ApiId', globals: 'HttpApi' },
] as const;

/** True when the template declares the SAM transform (alone or in a list). */
export function isSamTemplate(body: string): boolean {
  return samResources(body) !== undefined;
}

/**
 * Where `logicalId` comes from in the SAM template `body`; undefined when the body is not a SAM
 * template, or nothing in it can have made the id.
 */
export function samSourceOf(body: string, logicalId: string): SamSource | undefined {
  const read = samResources(body);
  if (!read) return undefined;
  const { resources, globals } = read;
  if (resources.has(logicalId)) return { logicalId, sourceId: logicalId, path: ['Resources', logicalId], generated: false };

  for (const api of IMPLICIT_APIS) {
    if (!logicalId.startsWith(api.prefix)) continue;
    for (const [id, resource] of resources) {
      if (resource.type !== 'AWS::Serverless::Function') continue;
      const event = [...resource.events].find(([, e]) => e.type === api.eventType && !e.properties.has(api.apiProperty));
      if (event) return { logicalId, sourceId: id, path: ['Resources', id, 'Properties', 'Events', event[0]], generated: true };
    }
    if (globals.has(api.globals)) return { logicalId, path: ['Globals', api.globals], generated: true };
  }

  const prefixes = [...resources]
    .filter(([id, r]) => r.type.startsWith('AWS::Serverless::') && logicalId.startsWith(id))
    .sort(([a], [b]) => b.length - a.length);
  const found = prefixes[0];
  if (!found) return undefined;
  const [id, resource] = found;
  const rest = logicalId.slice(id.length);
  const event = [...resource.events.keys()].filter((name) => rest.startsWith(name)).sort((a, b) => b.length - a.length)[0];
  return {
    logicalId,
    sourceId: id,
    path: event ? ['Resources', id, 'Properties', 'Events', event] : ['Resources', id],
    generated: true,
  };
}

interface SourceResource {
  readonly type: string;
  /** Event name → its type and property names (functions' `Properties.Events`). */
  readonly events: ReadonlyMap<string, { readonly type: string; readonly properties: ReadonlySet<string> }>;
}

/** The resources of a SAM template in their order, and its Globals' sections; undefined when it is not one. */
function samResources(body: string): { resources: Map<string, SourceResource>; globals: Set<string> } | undefined {
  let doc;
  try {
    doc = parseDocument(body, { uniqueKeys: false, prettyErrors: false });
  } catch {
    return undefined;
  }
  if (doc.errors.length > 0) return undefined;
  const root = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (!isRecord(root)) return undefined;
  const transform = root.Transform;
  const transforms = Array.isArray(transform) ? transform : [transform];
  if (!transforms.includes(SAM_TRANSFORM)) return undefined;
  const resources = new Map<string, SourceResource>();
  const section = doc.get('Resources', true);
  for (const pair of isMap(section) ? section.items : []) {
    if (!isScalar(pair.key)) continue;
    const id = String(pair.key.value);
    const definition = isRecord(root.Resources) ? root.Resources[id] : undefined;
    const type = isRecord(definition) && typeof definition.Type === 'string' ? definition.Type : '';
    const props = isRecord(definition) && isRecord(definition.Properties) ? definition.Properties : {};
    const events = new Map<string, { type: string; properties: ReadonlySet<string> }>();
    for (const [name, event] of Object.entries(isRecord(props.Events) ? props.Events : {})) {
      if (!isRecord(event)) continue;
      events.set(name, {
        type: typeof event.Type === 'string' ? event.Type : '',
        properties: new Set(isRecord(event.Properties) ? Object.keys(event.Properties) : []),
      });
    }
    resources.set(id, { type, events });
  }
  return { resources, globals: new Set(isRecord(root.Globals) ? Object.keys(root.Globals) : []) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
