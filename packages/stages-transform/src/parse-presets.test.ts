import { describe, expect, it } from 'vitest';
import { rejection, run, stage, values } from '../test/stage-helpers.js';

describe('parse:apache_error', () => {
  it('reads Apache 2.0/2.2 and 2.4 error log lines', async () => {
    const v = await values(stage('parse:apache_error'), [
      '[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties',
      '[Sun Dec 04 04:51:18 2005] [error] mod_jk child workerEnv in error state 6\r',
      '[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration: /export/home/live/ap/htdocs/test',
      '[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:5403] AH00037: File does not exist: /usr/local/apache2/htdocs/favicon.ico',
      '[Thu Jun 27 11:55:44.569531 2013] [core:trace2] [pid 4712] mod_ssl.c(365): startup',
    ]);
    expect(v).toEqual([
      {
        time: 'Sun Dec 04 04:47:44 2005',
        level: 'notice',
        message: 'workerEnv.init() ok /etc/httpd/conf/workers2.properties',
      },
      {
        time: 'Sun Dec 04 04:51:18 2005',
        level: 'error',
        message: 'mod_jk child workerEnv in error state 6',
      },
      {
        time: 'Wed Oct 11 14:32:52 2000',
        level: 'error',
        client: '127.0.0.1',
        message: 'client denied by server configuration: /export/home/live/ap/htdocs/test',
      },
      {
        time: 'Fri Sep 09 10:42:29.902022 2011',
        module: 'core',
        level: 'error',
        pid: 35708,
        tid: 4328636416,
        client: '72.15.99.187:5403',
        message: 'AH00037: File does not exist: /usr/local/apache2/htdocs/favicon.ico',
      },
      {
        time: 'Thu Jun 27 11:55:44.569531 2013',
        module: 'core',
        level: 'trace2',
        pid: 4712,
        message: 'mod_ssl.c(365): startup',
      },
    ]);
  });

  it.each([
    'Sun Dec 04 04:47:44 2005 [error] no brackets around the time',
    '[Sun Dec 04 04:47:44 2005] error without brackets',
    '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
  ])('refuses a line of another format: %s', async (line) => {
    const error = rejection((await run(stage('parse:apache_error'), [line]))[0]);
    expect(error.code).toBe('invalid-input');
    expect(error.message).toMatch(
      /^\[stage:s\] cannot parse as apache_error: does not match the Apache error log format/,
    );
  });
});

describe('parse:syslog', () => {
  it('reads BSD syslog lines (auth.log, messages), with PRI and RFC 3339 times', async () => {
    const v = await values(stage('parse:syslog'), [
      'Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186',
      'Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0',
      'Jun  9 06:06:20 combo syslogd 1.4.1: restart.',
      'Jun  9 06:06:20 combo kernel: klogd 1.4.1, log source = /proc/kmsg started.',
      "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
      '2024-03-01T12:00:00.123456+00:00 host cron[7]:',
    ]);
    expect(v).toEqual([
      {
        time: 'Dec 10 06:55:46',
        host: 'LabSZ',
        program: 'sshd',
        pid: 24200,
        message: 'Invalid user webmaster from 173.234.31.186',
      },
      {
        time: 'Jun 14 15:16:01',
        host: 'combo',
        program: 'sshd(pam_unix)',
        pid: 19939,
        message: 'authentication failure; logname= uid=0',
      },
      { time: 'Jun  9 06:06:20', host: 'combo', program: 'syslogd 1.4.1', message: 'restart.' },
      {
        time: 'Jun  9 06:06:20',
        host: 'combo',
        program: 'kernel',
        message: 'klogd 1.4.1, log source = /proc/kmsg started.',
      },
      {
        time: 'Oct 11 22:14:15',
        host: 'mymachine',
        program: 'su',
        message: "'su root' failed for lonvick on /dev/pts/8",
        facility: 4,
        severity: 'crit',
      },
      {
        time: '2024-03-01T12:00:00.123456+00:00',
        host: 'host',
        program: 'cron',
        pid: 7,
        message: '',
      },
    ]);
  });

  it.each([
    '2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification',
    'Dec 10 06:55:46 LabSZ sshd[24200] no colon after the tag',
    'Dec 10 LabSZ sshd[24200]: no time of day',
  ])('refuses a line of another format: %s', async (line) => {
    const error = rejection((await run(stage('parse:syslog'), [line]))[0]);
    expect(error.message).toMatch(
      /^\[stage:s\] cannot parse as syslog: does not match the BSD syslog format/,
    );
  });
});
