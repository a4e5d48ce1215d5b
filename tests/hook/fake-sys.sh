# Sourced by tests: builds fake sysfs trees under a scratch root, shaped like the kernel's.
#   fake_sys_disk ROOT NAME KIND [STYLE]
#     KIND:  perc (PCI megaraid_sas, DELL "PERC 6/i"), sas6ir (PCI mptsas, a SEAGATE disk),
#            megasas (QEMU's megasas: driver
#            megaraid_sas, QEMU "QEMU HARDDISK"), usbfloppy (Dell "Virtual Floppy" behind
#            usb-storage, removable), usbdisk (USB stick, not removable), ata (ahci), virtio
#     STYLE: etch (2.6.18: /sys/block/NAME is a directory with a device link, default) or
#            modern (/sys/block/NAME is a link into /sys/devices/.../block/NAME)
# Links are relative, as in sysfs, so the tree can be moved.

_fake_sys_n=0
fake_sys_disk() {
    root=$1 name=$2 kind=$3 style=${4:-etch}
    _fake_sys_n=$((_fake_sys_n + 1))
    n=$_fake_sys_n
    sys=$root/sys
    mkdir -p "$sys/block" "$sys/bus/pci/drivers" "$sys/bus/scsi/drivers/sd" "$sys/bus/usb/drivers"
    removable=0 vendor=ATA model=disk
    case $kind in
        perc|megasas)
            ctl=devices/pci0000:00/0000:00:0$n.0; ctldrv=pci/drivers/megaraid_sas
            dev=$ctl/host$n/target$n:2:0/$n:2:0:0
            if [ "$kind" = perc ]; then vendor=DELL model="PERC 6/i"; else vendor=QEMU model="QEMU HARDDISK"; fi ;;
        sas6ir)
            # SAS 6/iR (LSI SAS1068, driver mptsas): the disk reports its own make.
            ctl=devices/pci0000:00/0000:00:0$n.0; ctldrv=pci/drivers/mptsas
            dev=$ctl/host$n/port-$n:0/end_device-$n:0/target$n:0:0/$n:0:0:0
            vendor=SEAGATE model=ST373455SS ;;
        usbfloppy|usbdisk)
            ctl=devices/pci0000:00/0000:00:1d.7/usb1/1-$n/1-$n:1.0; ctldrv=usb/drivers/usb-storage
            dev=$ctl/host$n/target$n:0:0/$n:0:0:0
            if [ "$kind" = usbfloppy ]; then vendor=Dell model="Virtual Floppy" removable=1; else vendor=Generic model="Flash Disk"; fi
            mkdir -p "$sys/devices/pci0000:00/0000:00:1d.7/usb1"
            mkdir -p "$sys/bus/pci/drivers/ehci_hcd"
            ln -sfn ../../../bus/pci/drivers/ehci_hcd "$sys/devices/pci0000:00/0000:00:1d.7/driver" ;;
        ata)
            ctl=devices/pci0000:00/0000:00:1f.2; ctldrv=pci/drivers/ahci
            dev=$ctl/host$n/target$n:0:0/$n:0:0:0 ;;
        virtio)
            ctl=devices/pci0000:00/0000:00:0$n.0; ctldrv=pci/drivers/virtio-pci
            dev=$ctl/virtio$n; vendor= model= ;;
        *) echo "fake_sys_disk: unknown kind $kind" >&2; return 1 ;;
    esac
    mkdir -p "$sys/$dev" "$sys/bus/$ctldrv"
    # ../ count from $sys/$ctl back to $sys
    up=$(echo "$ctl" | sed 's,[^/]*,..,g')
    ln -sfn "$up/bus/$ctldrv" "$sys/$ctl/driver"
    if [ "$kind" != virtio ]; then
        upd=$(echo "$dev" | sed 's,[^/]*,..,g')
        ln -sfn "$upd/bus/scsi/drivers/sd" "$sys/$dev/driver"
        echo "$vendor" >"$sys/$dev/vendor"
        echo "$model" >"$sys/$dev/model"
    fi
    if [ "$style" = modern ]; then
        blk=$sys/$dev/block/$name
        mkdir -p "$blk"
        ln -sfn "../../../${dev##*/}" "$blk/device"
        ln -sfn "../$dev/block/$name" "$sys/block/$name"
    else
        blk=$sys/block/$name
        mkdir -p "$blk"
        ln -sfn "../../$dev" "$blk/device"
    fi
    echo "$removable" >"$blk/removable"
}
