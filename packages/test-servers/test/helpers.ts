import { Socket } from 'node:net';

export { s3Server, uniqueName } from '../src/index.js';

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function canConnectForTest(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
  });
}
