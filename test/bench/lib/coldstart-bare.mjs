// sdk-coldstart entry: a handler with no telemetry and no logger (the baseline).
export const handler = async (event) => ({ statusCode: 200, body: event?.rawPath ?? '' });
