/**
 * The resource properties whose local paths are packaged, the set `aws cloudformation package`
 * handles: where the path is, and what the uploaded object becomes in the template.
 */

/**
 * - `s3-uri`: the property becomes `s3://bucket/key`;
 * - `code`: `{ S3Bucket, S3Key }` (Lambda);
 * - `bucket-key`: `{ Bucket, Key }`;
 * - `s3-location`: `{ S3Bucket, S3Key }` under a nested property name (Elastic Beanstalk);
 * - `template`: a nested template, itself packaged, becomes its `https://` URL.
 */
export type ArtifactForm = 's3-uri' | 'code' | 'bucket-key' | 'template';

/**
 * - `zip`: a folder is zipped; a `.zip` or `.jar` file is uploaded as it is; another file is
 *   zipped on its own (Lambda takes only archives);
 * - `file`: a file uploaded as it is (a folder is refused);
 * - `template`: a template file, packaged in turn before it is uploaded.
 */
export type ArtifactPacking = 'zip' | 'file' | 'template';

export interface PackagedProperty {
  readonly resourceType: string;
  /** The property, with `.` between levels (`Command.ScriptLocation`). */
  readonly property: string;
  readonly form: ArtifactForm;
  readonly packing: ArtifactPacking;
}

const p = (resourceType: string, property: string, form: ArtifactForm, packing: ArtifactPacking): PackagedProperty => ({
  resourceType,
  property,
  form,
  packing,
});

export const PACKAGED_PROPERTIES: readonly PackagedProperty[] = [
  p('AWS::Serverless::Function', 'CodeUri', 's3-uri', 'zip'),
  p('AWS::Serverless::LayerVersion', 'ContentUri', 's3-uri', 'zip'),
  p('AWS::Serverless::Api', 'DefinitionUri', 's3-uri', 'file'),
  p('AWS::Serverless::HttpApi', 'DefinitionUri', 's3-uri', 'file'),
  p('AWS::Serverless::StateMachine', 'DefinitionUri', 's3-uri', 'file'),
  p('AWS::Serverless::GraphQLApi', 'SchemaUri', 's3-uri', 'file'),
  p('AWS::Serverless::Application', 'Location', 'template', 'template'),
  p('AWS::Lambda::Function', 'Code', 'code', 'zip'),
  p('AWS::Lambda::LayerVersion', 'Content', 'code', 'zip'),
  p('AWS::ApiGateway::RestApi', 'BodyS3Location', 'bucket-key', 'file'),
  p('AWS::StepFunctions::StateMachine', 'DefinitionS3Location', 'bucket-key', 'file'),
  p('AWS::AppSync::GraphQLSchema', 'DefinitionS3Location', 's3-uri', 'file'),
  p('AWS::AppSync::Resolver', 'RequestMappingTemplateS3Location', 's3-uri', 'file'),
  p('AWS::AppSync::Resolver', 'ResponseMappingTemplateS3Location', 's3-uri', 'file'),
  p('AWS::AppSync::FunctionConfiguration', 'RequestMappingTemplateS3Location', 's3-uri', 'file'),
  p('AWS::AppSync::FunctionConfiguration', 'ResponseMappingTemplateS3Location', 's3-uri', 'file'),
  p('AWS::AppSync::FunctionConfiguration', 'CodeS3Location', 's3-uri', 'file'),
  p('AWS::AppSync::Resolver', 'CodeS3Location', 's3-uri', 'file'),
  p('AWS::ElasticBeanstalk::ApplicationVersion', 'SourceBundle', 'code', 'zip'),
  p('AWS::Glue::Job', 'Command.ScriptLocation', 's3-uri', 'file'),
  p('AWS::CodeCommit::Repository', 'Code.S3', 'bucket-key', 'zip'),
  p('AWS::CloudFormation::Stack', 'TemplateURL', 'template', 'template'),
];
