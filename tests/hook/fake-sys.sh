# Sourced by tests: builds fake sysfs trees under a scratch root, shaped like the kernel's.
#   fake_sys_disk ROOT NAME KIND [STYLE]
#     KIND:  perc (PCI megaraid_sas, DELL "PERC 6/i"), sas6ir (PCI mptsas, a SEAGATE disk),
#            megasas (QEMU's megasas: driver
#            megaraid_sas, QEMU "QEMU HARDDISK"), usbfloppy (Dell "Virtual Floppy" behind
#            usb-storage, removable), usbdisk (USB stick, not removable), ata (ahci), virtio
#            Current PowerEdges: bossn1 (NVMe "Dell BOSS-N1"; NAME nvme0n1, modern only),
#            qemunvme (NVMe "QEMU NVMe Ctrl"), bosss2 (ATA "DELLBOSS VD" on ahci), perch755
#            (megaraid_sas, DELL "PERC H755 Front"), idracfloppy / idraccd-disk (USB
#            "iDRAC Virtual Floppy", removable / "iDRAC SECUPD")
#     STYLE: etch (2.6.18: /sys/block/NAME is a directory with a device link, default) or
#            modern (/sys/block/NAME is a link into /sys/devices/.../block/NAME)
#     MODEL: replaces the kind's model string (a PERC or USB disk that says BOSS)
# Links are relative, as in sysfs, so the tree can be moved.

_fake_sys_n=0
fake_sys_disk() {
    root=$1 name=$2 kind=$3 style=${4:-etch} model_override=${5:-}
    _fake_sys_n=$((_fake_sys_n + 1))
    n=$_fake_sys_n
    sys=$root/sys
    mkdir -p "$sys/block" "$sys/bus/pci/drivers" "$sys/bus/scsi/drivers/sd" "$sys/bus/usb/drivers"
    removable=0 vendor=ATA model=disk
    case $kind in
        bossn1|qemunvme)
            _fake_nvme "$sys" "$name" "$n" "$kind" "$model_override"
            return ;;
        perch755)
            ctl=devices/pci0000:00/0000:00:0$n.0; ctldrv=pci/drivers/megaraid_sas
            dev=$ctl/host$n/target$n:2:0/$n:2:0:0
            vendor=DELL model="PERC H755 Front" ;;
        bosss2)
            ctl=devices/pci0000:00/0000:00:1f.2; ctldrv=pci/drivers/ahci
            dev=$ctl/ata$n/host$n/target$n:0:0/$n:0:0:0
            vendor=ATA model="DELLBOSS VD" ;;
        idracfloppy|idracsecupd)
            ctl=devices/pci0000:00/0000:00:14.0/usb1/1-$n/1-$n:1.0; ctldrv=usb/drivers/usb-storage
            dev=$ctl/host$n/target$n:0:0/$n:0:0:0
            vendor=iDRAC
            if [ "$kind" = idracfloppy ]; then model="Virtual Floppy" removable=1; else model=SECUPD; fi
            mkdir -p "$sys/devices/pci0000:00/0000:00:14.0/usb1" "$sys/bus/pci/drivers/xhci_hcd"
            ln -sfn ../../../bus/pci/drivers/xhci_hcd "$sys/devices/pci0000:00/0000:00:14.0/driver" ;;
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
    [ -z "$model_override" ] || model=$model_override
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

# An NVMe namespace as Linux 5.x/6.x shows it: /sys/block/nvme0n1 -> the namespace under
# .../0000:00:0N.0/nvme/nvme0/, whose "device" link is the controller nvme0 (model, serial,
# space-padded to 40/20 characters); the PCI function is bound to the nvme driver.
_fake_nvme() {
    sys=$1 name=$2 n=$3 kind=$4 model=$5
    ctrl=${name%n*}
    pci=devices/pci0000:00/0000:00:0$n.0
    mkdir -p "$sys/$pci/nvme/$ctrl/$name" "$sys/bus/pci/drivers/nvme" "$sys/block"
    ln -sfn ../../../bus/pci/drivers/nvme "$sys/$pci/driver"
    ln -sfn ../../../0000:00:0$n.0 "$sys/$pci/nvme/$ctrl/device"
    if [ -z "$model" ]; then
        if [ "$kind" = bossn1 ]; then model="Dell BOSS-N1"; else model="QEMU NVMe Ctrl"; fi
    fi
    printf '%-40s\n' "$model" >"$sys/$pci/nvme/$ctrl/model"
    printf '%-20s\n' "SN$n$kind" >"$sys/$pci/nvme/$ctrl/serial"
    ln -sfn "../../$ctrl" "$sys/$pci/nvme/$ctrl/$name/device"
    echo 0 >"$sys/$pci/nvme/$ctrl/$name/removable"
    ln -sfn "../$pci/nvme/$ctrl/$name" "$sys/block/$name"
}
