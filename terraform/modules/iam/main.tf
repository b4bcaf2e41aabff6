# IAM roles for service accounts (IRSA): each role is assumable only by one Kubernetes service
# account of the cluster, through the cluster's OIDC provider.
#   app               leadpoet/leadpoet            (chart serviceAccount.roleArn): read its own secret
#   external_secrets  external-secrets/external-secrets: sync Secrets Manager -> Kubernetes Secret
#   cluster_autoscaler kube-system/cluster-autoscaler: scale the managed node group
#   ebs_csi           kube-system/ebs-csi-controller-sa: volumes of the monitoring stack

locals {
  service_accounts = {
    app                = { namespace = var.app_namespace, name = var.app_service_account }
    external_secrets   = { namespace = "external-secrets", name = "external-secrets" }
    cluster_autoscaler = { namespace = "kube-system", name = "cluster-autoscaler" }
    ebs_csi            = { namespace = "kube-system", name = "ebs-csi-controller-sa" }
  }
}

data "aws_iam_policy_document" "trust" {
  for_each = local.service_accounts
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${each.value.namespace}:${each.value.name}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each             = local.service_accounts
  name                 = "${var.name}-${replace(each.key, "_", "-")}"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = 3600
  tags                 = var.tags
}

# --- app: read its own secret only ---------------------------------------------------------
data "aws_iam_policy_document" "app" {
  statement {
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [var.app_secret_arn]
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [var.secrets_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "app" {
  name   = "read-app-secret"
  role   = aws_iam_role.this["app"].id
  policy = data.aws_iam_policy_document.app.json
}

# --- external-secrets: app secret + RDS-managed master secret ------------------------------
data "aws_iam_policy_document" "external_secrets" {
  statement {
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = concat([var.app_secret_arn], var.extra_readable_secret_arns)
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "external_secrets" {
  name   = "read-leadpoet-secrets"
  role   = aws_iam_role.this["external_secrets"].id
  policy = data.aws_iam_policy_document.external_secrets.json
}

# --- cluster autoscaler ----------------------------------------------------------------------
data "aws_iam_policy_document" "cluster_autoscaler" {
  statement {
    actions = [
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeScalingActivities",
      "autoscaling:DescribeTags",
      "ec2:DescribeImages",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:GetInstanceTypesFromInstanceRequirements",
      "eks:DescribeNodegroup",
    ]
    resources = ["*"]
  }
  statement {
    actions   = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/k8s.io/cluster-autoscaler/${var.cluster_name}"
      values   = ["owned"]
    }
  }
}

resource "aws_iam_role_policy" "cluster_autoscaler" {
  name   = "cluster-autoscaler"
  role   = aws_iam_role.this["cluster_autoscaler"].id
  policy = data.aws_iam_policy_document.cluster_autoscaler.json
}

# --- EBS CSI driver ---------------------------------------------------------------------------
resource "aws_iam_role_policy_attachment" "ebs_csi" {
  role       = aws_iam_role.this["ebs_csi"].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
}
