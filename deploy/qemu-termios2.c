/* Test-only shim for deploy/cross-test.sh, never part of the kiosk: qemu-user (Debian bookworm's
 * 7.2, and upstream QEMU up to at least 10.1) answers ENOSYS to the termios2 ioctls (TCGETS2,
 * TCSETS2, TCSETSW2, TCSETSF2) that the serialport crate uses on Linux to set a serial line's
 * speed, so the real serial opener cannot open the tests' pseudo-terminals under emulation, while
 * an arm64 kernel (the Pi) has them. Preloaded into the emulated test programs, this library does
 * what the kernel does for them: it turns each into its termios twin (TCGETS, TCSETS, TCSETSW,
 * TCSETSF), which qemu does emulate, carrying the speed in the Bnnn bits of c_cflag; a speed with
 * no Bnnn constant is refused with EINVAL. Every other ioctl goes straight to the system call. */
#include <asm/termbits.h>
#include <asm/ioctls.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
    unsigned int code, speed;
} speeds[] = {
    {B0, 0},           {B50, 50},           {B75, 75},           {B110, 110},
    {B134, 134},       {B150, 150},         {B200, 200},         {B300, 300},
    {B600, 600},       {B1200, 1200},       {B1800, 1800},       {B2400, 2400},
    {B4800, 4800},     {B9600, 9600},       {B19200, 19200},     {B38400, 38400},
    {B57600, 57600},   {B115200, 115200},   {B230400, 230400},   {B460800, 460800},
    {B500000, 500000}, {B576000, 576000},   {B921600, 921600},   {B1000000, 1000000},
    {B1152000, 1152000}, {B1500000, 1500000}, {B2000000, 2000000}, {B2500000, 2500000},
    {B3000000, 3000000}, {B3500000, 3500000}, {B4000000, 4000000},
};

static unsigned int speed_of(unsigned int code) {
    for (size_t i = 0; i < sizeof speeds / sizeof speeds[0]; i++)
        if (speeds[i].code == code) return speeds[i].speed;
    return 0;
}

static int code_of(unsigned int speed, unsigned int *code) {
    for (size_t i = 0; i < sizeof speeds / sizeof speeds[0]; i++)
        if (speeds[i].speed == speed) {
            *code = speeds[i].code;
            return 1;
        }
    return 0;
}

static int raw_ioctl(int fd, unsigned long request, void *arg) {
    return (int)syscall(SYS_ioctl, fd, request, arg);
}

/* Replaces glibc's ioctl() for the program (LD_PRELOAD). */
int ioctl(int fd, unsigned long request, ...) {
    va_list args;
    va_start(args, request);
    void *arg = va_arg(args, void *);
    va_end(args);

    switch (request) {
    case TCGETS2: {
        struct termios2 *t2 = arg;
        struct termios t;
        if (raw_ioctl(fd, TCGETS, &t) < 0) return -1;
        /* struct termios2 is struct termios followed by the two speeds. */
        memset(t2, 0, sizeof *t2);
        memcpy(t2, &t, sizeof t);
        t2->c_ospeed = speed_of(t.c_cflag & CBAUD);
        unsigned int in = (t.c_cflag & CIBAUD) >> IBSHIFT;
        t2->c_ispeed = in == B0 ? t2->c_ospeed : speed_of(in);
        return 0;
    }
    case TCSETS2:
    case TCSETSW2:
    case TCSETSF2: {
        const struct termios2 *t2 = arg;
        struct termios t;
        unsigned int code;
        memcpy(&t, t2, sizeof t);
        if ((t.c_cflag & CBAUD) == BOTHER) {
            if (!code_of(t2->c_ospeed, &code)) {
                errno = EINVAL;
                return -1;
            }
            t.c_cflag = (t.c_cflag & ~CBAUD) | code;
        }
        if (((t.c_cflag & CIBAUD) >> IBSHIFT) == BOTHER) {
            if (!code_of(t2->c_ispeed, &code)) {
                errno = EINVAL;
                return -1;
            }
            t.c_cflag = (t.c_cflag & ~CIBAUD) | (code << IBSHIFT);
        }
        unsigned long twin = request == TCSETS2 ? TCSETS : request == TCSETSW2 ? TCSETSW : TCSETSF;
        return raw_ioctl(fd, twin, &t);
    }
    default:
        return raw_ioctl(fd, request, arg);
    }
}
