/* Talks to the ssh agent at $SSH_AUTH_SOCK the way ssh and ssh-add do, and prints what it
 * answers: the keys it lists (their comments), whether it signs with the first one (14), and
 * whether it lets the caller remove every key or lock the agent (a read-only agent must refuse
 * both: SSH_AGENT_FAILURE, 5).
 * Built static by the tests, to run inside a busybox image. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static unsigned char buffer[256 * 1024];

static uint32_t get32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put32(unsigned char *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

static int full(int fd, unsigned char *p, size_t n, int writing) {
    while (n > 0) {
        ssize_t done = writing ? write(fd, p, n) : read(fd, p, n);
        if (done <= 0) return -1;
        p += done; n -= (size_t)done;
    }
    return 0;
}

/* Sends one message (type + body), reads the answer into buffer; returns its length, -1 on error. */
static long ask(int fd, unsigned char type, const unsigned char *body, uint32_t length) {
    unsigned char header[5];
    put32(header, length + 1);
    header[4] = type;
    if (full(fd, header, 5, 1) || (length && full(fd, (unsigned char *)body, length, 1))) return -1;
    if (full(fd, header, 4, 0)) return -1;
    uint32_t answer = get32(header);
    if (answer == 0 || answer > sizeof buffer) return -1;
    return full(fd, buffer, answer, 0) ? -1 : (long)answer;
}

int main(void) {
    const char *path = getenv("SSH_AUTH_SOCK");
    if (!path) { puts("no SSH_AUTH_SOCK"); return 2; }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, path, sizeof address.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&address, sizeof address)) { perror("connect"); return 2; }

    long n = ask(fd, 11, NULL, 0); /* SSH_AGENTC_REQUEST_IDENTITIES */
    if (n < 5 || buffer[0] != 12) { printf("identities: answer %d\n", n > 0 ? buffer[0] : -1); return 1; }
    uint32_t keys = get32(buffer + 1);
    printf("keys %u\n", keys);
    static unsigned char blob[8192];
    uint32_t blobLength = 0;
    unsigned char *p = buffer + 5;
    for (uint32_t i = 0; i < keys; i++) {
        uint32_t length = get32(p);
        if (i == 0 && length <= sizeof blob) { memcpy(blob, p + 4, length); blobLength = length; }
        p += 4 + length;
        uint32_t comment = get32(p);
        printf("key %.*s\n", (int)comment, p + 4);
        p += 4 + comment;
    }

    if (blobLength) {
        static unsigned char request[8192 + 64];
        put32(request, blobLength);
        memcpy(request + 4, blob, blobLength);
        put32(request + 4 + blobLength, 4);
        memcpy(request + 8 + blobLength, "data", 4);
        put32(request + 12 + blobLength, 0);
        n = ask(fd, 13, request, 16 + blobLength); /* SSH_AGENTC_SIGN_REQUEST */
        printf("sign %d\n", n > 0 ? buffer[0] : -1);
    }

    n = ask(fd, 19, NULL, 0); /* SSH_AGENTC_REMOVE_ALL_IDENTITIES */
    printf("remove-all %d\n", n > 0 ? buffer[0] : -1);
    unsigned char passphrase[] = { 0, 0, 0, 4, 'l', 'o', 'c', 'k' };
    n = ask(fd, 22, passphrase, sizeof passphrase); /* SSH_AGENTC_LOCK */
    printf("lock %d\n", n > 0 ? buffer[0] : -1);
    if (blobLength) {
        static unsigned char request[8192 + 4];
        put32(request, blobLength);
        memcpy(request + 4, blob, blobLength);
        n = ask(fd, 18, request, 4 + blobLength); /* SSH_AGENTC_REMOVE_IDENTITY */
        printf("remove %d\n", n > 0 ? buffer[0] : -1);
    }
    unsigned char key[] = { 0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9' };
    n = ask(fd, 17, key, sizeof key); /* SSH_AGENTC_ADD_IDENTITY (incomplete: refused either way, never forwarded) */
    printf("add %d\n", n > 0 ? buffer[0] : -1);
    unsigned char extension[] = { 0, 0, 0, 24, 's', 'e', 's', 's', 'i', 'o', 'n', '-', 'b', 'i', 'n', 'd', '@', 'o', 'p', 'e', 'n', 's', 's', 'h', '.', 'c', 'o', 'm' };
    n = ask(fd, 27, extension, sizeof extension); /* SSH_AGENTC_EXTENSION */
    printf("extension %d\n", n > 0 ? buffer[0] : -1);
    return 0;
}
